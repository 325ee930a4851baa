// The manifest itself: fields the API server would reject. Every other rule reads fields
// through the same reader, so a bad field is said once, here, with its line.

import { describeObject } from '../../manifest/kube-object';
import { fieldProblemsOf } from '../../manifest/object-problems';
import { WORKLOAD_KINDS } from '../../manifest/workload';
import { RawFinding, Severity, TimelinePhase, area } from '../rule';

export const MANIFEST_RULES = area('manifest', [
  {
    id: 'GS000',
    severity: Severity.ERROR,
    title: 'Field the API server would reject',
    rationale: 'A field of the wrong type or out of range (`replicas: "3"`, `maxSurge: abc`, `exec.command: "sleep 15"`, an empty probe) makes the '
      + 'API server reject the whole object at apply time, or run it otherwise than written; the other rules cannot judge what was meant. '
      + 'The API server\'s rules are in docs/kubernetes-semantics.md, section 7.',
    fix: 'write the field as the message says',
    phase: TimelinePhase.MANIFEST,
    kinds: [...WORKLOAD_KINDS, 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress'],
    check: ({ object, workload, model }) => {
      const problems = workload ? workload.w.problems : fieldProblemsOf(object);
      const found: RawFinding[] = problems.map(p => ({ pointer: p.pointer, message: p.message, fix: p.fix }));
      const earlier = model.earlierDuplicateOf(object);
      if (earlier) {
        found.push({
          pointer: '/metadata/name',
          message: `${describeObject(object)} is in the input twice: \`kubectl apply\` keeps the last, and a GitOps tool reports the two as one object drifting`,
          fix: 'give each object its own name (or namespace), or remove the copy',
        });
      }
      return found;
    },
  },
]);
