/**
 * Lifetimes of signed tokens that are not configurable, shared by the engine's
 * configuration (create-provider.ts) and key rotation (key-rotation.ts), which must
 * keep a replaced key published until the last token it signed has expired.
 */
export const ID_TOKEN_TTL_SECONDS = 3600;
/**
 * Back-channel logout tokens (OIDC Back-Channel Logout §2.4), should the feature be
 * enabled: the engine mints them as ID tokens, with the ID token's lifetime.
 */
export const LOGOUT_TOKEN_TTL_SECONDS = ID_TOKEN_TTL_SECONDS;
