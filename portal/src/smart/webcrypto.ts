/**
 * Stands in for the `isomorphic-webcrypto` polyfill that fhirclient requires only when
 * `globalThis.crypto` is missing (vite.config.ts aliases it here): the portal needs Web Crypto, which
 * every supported browser provides in a secure context, so the polyfill would be dead weight.
 */
export default globalThis.crypto;
