import type { WebClient } from '@slack/web-api';
import { type BotConfig, environmentNamed, type RoleConfig } from '../../config/config.schema';
import type { Directory } from '../../ports';
import { translateSlackError } from './slack-errors';

/**
 * Incident commanders: the listed users, and the members of the listed user groups (usergroups.users.list) — of the
 * environment when it names its own, else the global ones. Group members are cached briefly: a burst of clicks costs
 * one API call, a change of rota shows within a minute.
 */
export class SlackDirectory implements Directory {
  private readonly cache = new Map<string, { members: Set<string>; until: number }>();
  private readonly names = new Map<string, { name: string | null; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly config: BotConfig,
    private readonly ttlMs = 60_000,
  ) {}

  private roleFor(environment: string | undefined): RoleConfig {
    const env = environment === undefined ? undefined : environmentNamed(this.config, environment);
    return env?.incident_commanders ?? this.config.roles.incident_commanders;
  }

  async isIncidentCommander(userId: string, environment?: string): Promise<boolean> {
    const role = this.roleFor(environment);
    if (role.users.includes(userId)) return true;
    for (const group of role.usergroups) {
      if ((await this.members(group)).has(userId)) return true;
    }
    return false;
  }

  private async members(usergroup: string): Promise<Set<string>> {
    const cached = this.cache.get(usergroup);
    if (cached && cached.until > Date.now()) return cached.members;
    try {
      const res = await this.client.usergroups.users.list({ usergroup });
      const members = new Set(res.users ?? []);
      this.cache.set(usergroup, { members, until: Date.now() + this.ttlMs });
      return members;
    } catch (err) {
      throw translateSlackError(err, 'usergroups.users.list');
    }
  }

  /**
   * users.info per id (scope users:read), cached for an hour; a user it cannot read (no scope, deleted, Slack out of
   * reach) is left out, and the document shows the id.
   */
  async displayNames(userIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await Promise.all(
      [...new Set(userIds)]
        .filter((id) => /^[UW][A-Z0-9]+$/.test(id))
        .map(async (id) => {
          const cached = this.names.get(id);
          let name = cached && cached.until > Date.now() ? cached.name : undefined;
          if (name === undefined) {
            try {
              const res = await this.client.users.info({ user: id });
              const p = res.user?.profile;
              name = p?.display_name || p?.real_name || res.user?.real_name || res.user?.name || null;
            } catch {
              name = null;
            }
            this.names.set(id, { name, until: Date.now() + 3_600_000 });
          }
          if (name) out.set(id, name);
        }),
    );
    return out;
  }
}
