// Names of a rainbow deployment's releases: `<name>-<version>`, a DNS-1123 label of at most 63
// characters, hashed when the version is too long, and the version derived from an image.

import { createHash } from 'crypto';

/** Longest DNS-1123 label: Deployment names (pod hostnames), Service names, label values. */
export const MAX_NAME_LENGTH = 63;
/** Hex digits of the version's hash in a shortened release name. */
const HASH_LENGTH = 8;
/** Longest rainbow name that still leaves room for `-<hash>`. */
export const MAX_RAINBOW_NAME_LENGTH = MAX_NAME_LENGTH - 1 - HASH_LENGTH;

/** A DNS-1123 label that also starts with a letter (DNS-1035: Service names). */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The version in DNS-1123 label characters: lowercase, runs of other characters become one '-'. */
export function versionSlug(version: string): string {
  return version.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * The release id (the suffix of the release name and the value of its release label):
 * the version's slug, or, when `<name>-<slug>` would exceed 63 characters, as much of the slug
 * as fits followed by '-' and 8 hex digits of the version's SHA-256 (so two long versions
 * that share a prefix still differ).
 */
export function releaseId(name: string, version: string): string {
  const slug = versionSlug(version);
  const room = MAX_NAME_LENGTH - name.length - 1;
  if (slug.length <= room && slug !== '') {
    return slug;
  }
  const prefix = slug.slice(0, Math.max(0, room - HASH_LENGTH - 1)).replace(/-+$/, '');
  return prefix ? `${prefix}-${shortHash(version)}` : shortHash(version);
}

/** Parts of an image reference: `[registry[:port]/]repository[:tag][@algorithm:digest]`. */
export function imageParts(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const reference = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.indexOf(':', lastSlash + 1);
  return { tag: colon >= 0 ? reference.slice(colon + 1) : undefined, digest };
}

/**
 * The version an image stands for: its tag, its digest's first 12 hex digits, or both
 * (`1.4.2-9f86d081884c`). Refuses images without either and the tag `latest`, which name no
 * particular build.
 */
export function versionFromImage(image: string): string {
  if (typeof image !== 'string' || image.trim() === '') {
    throw new Error(`'image' (${JSON.stringify(image)}) must be an image reference such as 'ghcr.io/acme/chat:1.4.2'`);
  }
  const { tag, digest } = imageParts(image);
  const hex = digest?.split(':')[1];
  if (digest !== undefined && (!hex || !/^[0-9a-f]{12,}$/.test(hex))) {
    throw new Error(`'image' (${image}) has a digest that is not '<algorithm>:<hex>'; write it as 'repository@sha256:<64 hex digits>'`);
  }
  if (!hex && (tag === undefined || tag === '')) {
    throw new Error(`'image' (${image}) must carry a tag or a digest: a release needs a version that names one build; `
      + 'write e.g. \'ghcr.io/acme/chat:1.4.2\' or \'ghcr.io/acme/chat@sha256:…\', or pass \'version\'');
  }
  if (!hex && tag === 'latest') {
    throw new Error(`'image' (${image}) is tagged 'latest', which names no particular build, so two releases could not be told apart; `
      + 'tag the build (e.g. with its version or commit) or pin its digest, or pass \'version\'');
  }
  const short = hex?.slice(0, 12);
  return tag && short ? `${tag}-${short}` : (short ?? tag!);
}
