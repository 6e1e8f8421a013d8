/**
 * The Slack app manifest (manifest.yml) agrees with what the bot listens to: the /rollback command, interactivity
 * for buttons and forms, the Home tab and its app_home_opened event, and the scopes the calls need.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { COMMAND, EVENT } from '../../src/slack/ids';

interface Manifest {
  features: {
    app_home?: { home_tab_enabled?: boolean };
    slash_commands: Array<{ command: string }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions?: { bot_events?: string[]; request_url?: string };
    interactivity: { is_enabled: boolean };
    socket_mode_enabled: boolean;
  };
}

const text = readFileSync(path.resolve(__dirname, '../../manifest.yml'), 'utf8');
const manifest = parse(text) as Manifest;

it('declares the /rollback command and interactivity', () => {
  expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([COMMAND]);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write']));
});

it('enables the Home tab and subscribes to app_home_opened, in Socket Mode as written and in HTTP mode', () => {
  expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
  expect(manifest.settings.event_subscriptions?.bot_events).toEqual([EVENT.homeOpened]);
  expect(manifest.settings.socket_mode_enabled).toBe(true);
  // HTTP mode: the events come to the same endpoint as commands and clicks, once its URL is uncommented.
  expect(text).toMatch(/event_subscriptions:\n(\s+#.*\n)*\s+# request_url: https:\/\/[^\s]+\/slack\/events\n/);
});
