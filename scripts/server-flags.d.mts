/** Node's flags for the server process (scripts/server-flags.mjs). */
export declare const SERVER_NODE_FLAGS: readonly string[];
