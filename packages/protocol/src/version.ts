/** Bumped on any incompatible change to a message; the server refuses an agent whose hello differs. */
export const PROTOCOL_VERSION = 1;
