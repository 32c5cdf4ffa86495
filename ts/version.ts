/**
 * The package version, read from package.json when the module loads. The path is relative to this module, and
 * package.json sits one level above both ts/ and dist/, so the same line works from source and from the build.
 */

/** ferrosocket's own semver string (1.0.35 exported its own version the same way). */
export const version: string = (require('../package.json') as { version: string }).version;
