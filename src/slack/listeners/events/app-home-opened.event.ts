/** `app_home_opened`: someone opened the app's Home tab; the runbook draws their dashboard there (views.publish). */
import type { Middleware, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { EVENT } from '../../ids';
import { type ListenerDeps, SLACK_USER_ID } from '../types';

const homeOpened = z.object({ user: z.string().regex(SLACK_USER_ID), tab: z.string().optional() });

export const appHomeOpenedEvent = (
  deps: ListenerDeps,
): { id: typeof EVENT.homeOpened; handler: Middleware<SlackEventMiddlewareArgs<'app_home_opened'>> } => ({
  id: EVENT.homeOpened,
  // Events are acknowledged by the receiver before a listener runs: nothing to ack here.
  handler: async ({ event }) => {
    const parsed = homeOpened.safeParse(event);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues }, 'malformed app_home_opened event');
      return;
    }
    // The Messages tab opens with the same event: only the Home tab is drawn.
    if (parsed.data.tab !== undefined && parsed.data.tab !== 'home') return;
    try {
      await deps.service.homeOpened(parsed.data.user);
    } catch (err) {
      deps.logger.warn({ err, userId: parsed.data.user }, 'could not draw the Home tab');
    }
  },
});
