// What the API server validates in every object's identity: the API version its kind is served
// under, the name's format for its kind, label keys and values. Sources:
// `staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go` (`ValidateObjectMeta`),
// `staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go`; docs/kubernetes-semantics.md 7.6.

import { FieldReader, escapePointer, isRecord, shown } from './fields';
import { KubeObject } from './kube-object';
import { API_VERSIONS, DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE, QUALIFIED_NAME } from '../kubernetes/validation';

/** The name format of each kind (`NameIsDNSSubdomain` unless listed). */
const NAME_FORMAT: Record<string, { readonly pattern: RegExp; readonly what: string }> = {
  Service: { pattern: DNS1035_LABEL, what: 'a DNS-1035 label (at most 63 lowercase letters, digits and \'-\', starting with a letter)' },
  StatefulSet: { pattern: DNS1123_LABEL, what: 'a DNS-1123 label (at most 63 lowercase letters, digits and \'-\')' },
  Namespace: { pattern: DNS1123_LABEL, what: 'a DNS-1123 label (at most 63 lowercase letters, digits and \'-\')' },
};
const SUBDOMAIN = { pattern: DNS1123_SUBDOMAIN, what: 'a DNS-1123 subdomain (at most 253 lowercase letters, digits, \'-\' and \'.\')' };

/** A name as close to valid as a message can suggest. */
function suggestedName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^[^a-z]+|-+$/g, '').slice(0, 63) || 'app';
}

export function apiVersionProblems(obj: KubeObject, reader: FieldReader): void {
  const served = API_VERSIONS[String(obj.kind)];
  if (!served || typeof obj.apiVersion !== 'string' || served.versions.includes(obj.apiVersion)) return;
  const removed = served.removed[obj.apiVersion];
  reader.report('/apiVersion', `apiVersion ${shown(obj.apiVersion)} is not one the API server serves ${obj.kind} under (${served.versions.join(', ')}); `
    + `kubectl fails with "no matches for kind"${removed ? ` (${removed})` : ''}`, `use apiVersion: ${served.versions[0]}`);
}

/** Label keys and values of a map at `pointer` (object or pod template labels). */
export function labelProblems(labels: unknown, pointer: string, reader: FieldReader): void {
  if (!isRecord(labels)) return;
  for (const [key, value] of Object.entries(labels)) {
    if (!QUALIFIED_NAME.test(key)) {
      reader.report(`${pointer}/${escapePointer(key)}`, `label key ${shown(key)} is not a qualified name (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.')`,
        'rename the label key');
    }
    if (typeof value === 'string' && !LABEL_VALUE.test(value)) {
      reader.report(`${pointer}/${escapePointer(key)}`, `label ${key}'s value ${shown(value)} is not a valid label value (at most 63 letters, digits, '-', '_' and '.', `
        + 'starting and ending with a letter or digit)', 'shorten or simplify the value; put free text in an annotation');
    }
  }
}

/** The API version, name and labels of an object. */
export function metadataProblems(obj: KubeObject, reader: FieldReader): void {
  apiVersionProblems(obj, reader);
  const meta = obj.metadata;
  if (!isRecord(meta)) return;
  const name = meta.name;
  if (typeof name === 'string' && meta.generateName === undefined) {
    const format = NAME_FORMAT[String(obj.kind)] ?? SUBDOMAIN;
    if (!format.pattern.test(name)) {
      reader.report('/metadata/name', `name ${shown(name)} of a ${obj.kind} must be ${format.what}; the API server rejects it`, `rename it, e.g. ${shown(suggestedName(name))}`);
    }
  }
  labelProblems(meta.labels, '/metadata/labels', reader);
}
