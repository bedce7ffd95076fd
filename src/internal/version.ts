/**
 * The package version and the user agent that every REST call sends.
 */

/** Version of this package; a test checks that it equals `version` in package.json. */
export const PACKAGE_VERSION = '0.1.0';

/**
 * Sent as `User-Agent` and `x-ms-useragent`. It is fixed on purpose. It names no runtime or
 * platform, so building it needs no platform detection.
 */
export const USER_AGENT: string = `webpubsub-edge/${PACKAGE_VERSION}`;
