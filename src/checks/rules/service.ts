// Services: which pods get traffic, and on which port (spec 1.3).

import { isHeadless, isPerPodService, servicePortsOf } from '../../manifest/routing';
import { Severity, TimelinePhase, area } from '../rule';

export const SERVICE_RULES = area('service', [
  {
    id: 'GS019',
    severity: Severity.ERROR,
    title: 'Service publishes not-ready addresses',
    rationale: 'publishNotReadyAddresses: true marks every endpoint ready (spec 1.3), so starting and terminating pods receive traffic and readiness '
      + 'probes stop protecting anything. Peer discovery needs exactly that and is not judged: a headless Service (a StatefulSet\'s governing '
      + 'Service), or a per-pod Service that selects one pod by statefulset.kubernetes.io/pod-name (redis-ha announces these to its peers).',
    fix: 'set publishNotReadyAddresses: false (the default) on Services that carry client traffic; keep a separate headless Service for peer discovery',
    phase: TimelinePhase.ROUTING,
    kinds: ['Service'],
    check: ({ object }) => object.spec?.publishNotReadyAddresses === true && !isHeadless(object) && !isPerPodService(object) ? [{
      pointer: '/spec/publishNotReadyAddresses',
      message: 'publishNotReadyAddresses is true on a client Service: starting and terminating pods get new connections',
    }] : [],
  },
  {
    id: 'GS020',
    severity: Severity.ERROR,
    title: 'Service targetPort names a port the selected pods do not declare',
    rationale: 'A named targetPort is resolved in each selected pod\'s container ports; a pod that declares no port of that name gets no endpoint '
      + 'for it, so the Service port sends traffic to none of those pods.',
    fix: 'name the container port as the Service\'s targetPort says, or set targetPort to the port number',
    phase: TimelinePhase.ROUTING,
    kinds: ['Service'],
    check: ({ object, model }) => {
      const selected = model.workloadsSelectedBy(object);
      if (selected.length === 0) {
        return [];
      }
      return servicePortsOf(object).filter(p => typeof p.targetPort === 'string').flatMap(p => {
        const missing = selected.filter(w => !w.running.some(c => c.ports.some(cp => cp.name === p.targetPort)));
        return missing.length === 0 ? [] : [{
          pointer: `/spec/ports/${p.index}/targetPort`,
          message: `port ${p.name ? `'${p.name}' ` : ''}${p.port} targets '${p.targetPort}', which ${missing.map(w => `${w.kind} '${w.name}'`).join(', ')} `
            + `${missing.length === 1 ? 'does' : 'do'} not declare${missing.length === selected.length ? ': the port reaches no pod' : ': those pods get none of its traffic'}`,
        }];
      });
    },
  },
]);
