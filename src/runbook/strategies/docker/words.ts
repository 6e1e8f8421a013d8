/** How Option B (Docker Swarm) is talked about: on the card, in the thread, and when Step 3 needs a hand. */
import type { StrategyTexts } from '../strategy-words';

export const dockerWords: StrategyTexts = {
  words: {
    option: 'Docker Swarm',
    versions: 'Deployed versions (Docker)',
    ready: 'The target image was pulled.',
    inspecting: 'what Docker runs',
    reportsNow: 'What Docker reports now',
    noTarget: 'Swarm kept no previous spec and this bot has not verified a version of this environment yet',
  },

  manualRecovery(_r, failed) {
    return [
      '• Look at the services: `docker service ps <service>`, `docker service inspect --pretty <service>`.',
      `• To finish by hand (runbook Step 3, Option B): ${failed.map((x) => `\`docker service update --image <image>:${x.toVersion} ${x.dockerService}\``).join(', ') || 'no service left'}.`,
    ];
  },

  interruptedNextSteps() {
    return "check each service by hand (`docker service ps <service>`), bring them to one known version (the runbook's Step 3, Option B), then verify (Step 4) or start a new rollback.";
  },

  verifyFailedState(r) {
    return `Docker reports the services on \`${r.target}\`, but the checks did not pass.`;
  },

  deploymentStarted(d) {
    if (d.kind !== 'docker') return null;
    return [
      `:gear: Updating ${d.services.map((s) => `${s.service} (\`${s.dockerService}\`, now \`${s.fromVersion ?? 'unknown'}\`)`).join(', ')}.`,
    ];
  },
};
