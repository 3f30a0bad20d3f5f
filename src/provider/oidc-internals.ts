/**
 * The only code allowed to reach inside oidc-provider: prototype overrides, payload
 * fields the engine does not know, and casts against its types. An engine upgrade has
 * this module (and the files behind it, in oidc-internals/) to check; a layering
 * test keeps such casts out of every other file.
 */
export * from './oidc-internals/sessions.js';
export * from './oidc-internals/engine.js';
export * from './oidc-internals/code-redemption.js';
export * from './oidc-internals/client-instances.js';
