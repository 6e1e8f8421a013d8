/** How Slack writes a mention of users and user groups. */
export function mentionsOf(role: { users: string[]; usergroups: string[] }): string {
  return [...role.users.map((u) => `<@${u}>`), ...role.usergroups.map((g) => `<!subteam^${g}>`)].join(' ');
}

/** Several roles' mentions as one: each person or group once, whoever they are mentioned as (actor, commander…). */
export function joinMentions(...parts: (string | undefined)[]): string {
  return [...new Set(parts.flatMap((p) => (p ? p.split(/\s+/) : [])).filter(Boolean))].join(' ');
}
