// Image references as the rules read them: the repository (without registry and `library/`)
// and the tag.

/** `docker.io/library/nginx:1.27@sha256:…` → `nginx`; `ghcr.io/acme/web:1` → `acme/web`; `php:8.3-apache` keeps its tag apart. */
export function imageRepository(image: string): { repository: string; tag: string } {
  const [withoutDigest] = image.split('@');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  let repository = colon >= 0 ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = colon >= 0 ? withoutDigest.slice(colon + 1) : '';
  const segments = repository.split('/');
  if (segments.length > 1 && /[.:]|^localhost$/.test(segments[0])) {
    segments.shift();
  }
  repository = segments.join('/').replace(/^(docker\/)?library\//, '');
  return { repository, tag };
}
