/**
 * Imported first by main.ts, for its side effect: both processes of a replica (the front and the work process it
 * forks run the same main.js) tell V8 to favour a small heap over a fast one before anything else is loaded.
 *
 * Why: a replica's container has a memory limit (deploy/stack*.yml), and Swarm kills a task that crosses it. Left to
 * itself, V8 sizes its heap for throughput: the young generation grows to 32 MB under a burst of allocation and the
 * old one grows in big steps, then gives the memory back only after a quiet while. A burst of requests (1,000 dry runs
 * in `BENCH=memory npm run bench`) would set the high-water mark, and a replica that is mostly idle does not need the
 * speed. `--optimize-for-size` keeps the young generation small and grows the old one conservatively (it is read as
 * the heap runs, so setting it here, at run time, works; `--max-semi-space-size` is read only when the heap is made,
 * and would need a flag on the command line). No heap limit is set: a replica in the middle of a rollback must not die
 * of an out-of-memory error that a larger heap would have avoided.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags every replica process runs with (set at run time, so every launcher gets them). */
export const LEAN_HEAP_FLAGS = ['--optimize-for-size'] as const;

for (const flag of LEAN_HEAP_FLAGS) setFlagsFromString(flag);
