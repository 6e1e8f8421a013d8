/** How Slack writes a mention of users and user groups. */
export function mentionsOf(role: { users: string[]; usergroups: string[] }): string {
  return [...role.users.map((u) => `<@${u}>`), ...role.usergroups.map((g) => `<!subteam^${g}>`)].join(' ');
}
