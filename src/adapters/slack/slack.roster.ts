import type { BotConfig } from '../../config/config.schema';
import type { Audience, Team } from '../../ports';
import type { Mentions } from '../../slack/blocks/thread';
import { mentionsOf } from '../../slack/mentions';

/**
 * How each team the config names is mentioned in Slack, and where the platform team's channel is. It writes the
 * audience the runbook chose (runbook/policies/audience.ts) and decides nothing itself.
 */
export class SlackRoster {
  private readonly teams: Record<Team, string>;
  /** Incident commanders configured for one environment only, mentioned instead of the global ones there. */
  private readonly envCommanders: Map<string, string>;
  /** "Platform team: #platform-team Slack — infrastructure issues" (null: the config names no channel). */
  readonly platformChannel: string | null;

  constructor(config: BotConfig) {
    this.envCommanders = new Map(
      Object.entries(config.environments).flatMap(([name, env]) =>
        env.incident_commanders ? [[name, mentionsOf(env.incident_commanders)]] : [],
      ),
    );
    this.teams = {
      incident_commanders: mentionsOf(config.roles.incident_commanders),
      on_call: mentionsOf(config.roles.on_call),
      dba: mentionsOf(config.roles.dba),
      platform_team: mentionsOf(config.roles.platform_team),
    };
    this.platformChannel = config.roles.platform_team.channel ?? null;
  }

  /** The mentions of `audience` in `environment`; the slots of everyone else are left empty. */
  mentions(environment: string, audience: Audience): Mentions {
    const who = (team: Team, mention: string) => (audience.teams.includes(team) ? mention : '');
    const user = (id: string | undefined) => (id ? `<@${id}>` : '');
    return {
      requester: user(audience.requester),
      actor: user(audience.actor),
      incidentCommanders: who(
        'incident_commanders',
        this.envCommanders.get(environment) ?? this.teams.incident_commanders,
      ),
      onCall: who('on_call', this.teams.on_call),
      dba: who('dba', this.teams.dba),
      platformTeam: who('platform_team', this.teams.platform_team),
    };
  }
}
