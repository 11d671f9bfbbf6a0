// Node's flags for the server process: `npm start` (scripts/start.mjs) runs it with them, and `npm run bench`
// measures it with the same (server/scripts/bench.ts, server/bench/paged-views.ts, server/bench/export.ts).
//
// --max-semi-space-size=4: V8's young generation is two semi-spaces of up to 16 MB each by default, committed once a
// busy allocation rate has grown them and kept. At 4 MB the server's peak over the bench's list section drops by
// about 25 MB (issue 13's target: at most 200 MB at 1,000,000 rows) with no measurable change in request times
// (docs/performance.md, "Round three").
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=4'];
