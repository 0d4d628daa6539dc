/** Sent with every event (library_name, library_version); version.spec.ts holds them to package.json. */
export const SDK_NAME = '@tracking-platform/node';
export const SDK_VERSION = '1.0.0';
