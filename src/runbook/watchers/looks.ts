/**
 * The close watch's latest look at each environment, kept in memory for the Home tab's "what runs now" (Step 1's
 * looks are stored with their rollback). A restart forgets them: the next look, or the newest Step 1, answers then.
 */
import type { RunningNow } from '../../domain/home';

export class LastLooks {
  private readonly looks = new Map<string, RunningNow>();

  /** Keeps `look` as the environment's latest; true when it says something the one before did not. */
  record(environment: string, look: RunningNow): boolean {
    const before = this.looks.get(environment);
    this.looks.set(environment, look);
    return !before || before.healthy !== look.healthy || before.versions.join('\n') !== look.versions.join('\n');
  }

  last(environment: string): RunningNow | null {
    return this.looks.get(environment) ?? null;
  }
}
