import { CreateError } from './errors.js';

// npm's rules for a new package name: lower case, URL-safe, at most 214 characters, optionally scoped.
const PART = '[a-z0-9][a-z0-9._~-]*';
const PACKAGE_NAME = new RegExp(`^(?:@${PART}/)?${PART}$`);
// What a Reef registry accepts as a plugin id (the same rule as @reef/core's registry).
const PLUGIN_ID = /^[a-z][a-z0-9-]*$/;

/** Throws a CreateError naming what is wrong with `name` as an npm package name. */
export function assertPackageName(name: string): void {
  if (name.length === 0) throw new CreateError('BAD_NAME', 'the package name is empty');
  if (name.length > 214) throw new CreateError('BAD_NAME', `package name ${JSON.stringify(name)} is longer than npm's 214 characters`);
  if (!PACKAGE_NAME.test(name)) {
    throw new CreateError(
      'BAD_NAME',
      `${JSON.stringify(name)} is not a valid npm package name: use lower-case letters, digits, '-', '.', '_' or '~', ` +
        `starting with a letter or digit, optionally scoped as @scope/name`,
    );
  }
}

/** Throws a CreateError unless `id` is a valid plugin id. */
export function assertPluginId(id: string): void {
  if (!PLUGIN_ID.test(id)) {
    throw new CreateError('BAD_NAME', `${JSON.stringify(id)} is not a valid plugin id: use a lower-case letter, then lower-case letters, digits or '-' (pass --id to choose one)`);
  }
}

/**
 * The plugin id a package name suggests: without its scope and the usual prefix, so
 * `@acme/reef-quantizer-turbo` gives `turbo` and `my-delta` gives `my-delta`.
 */
export function idFromPackageName(name: string, prefix: string): string {
  const bare = name.replace(/^@[^/]+\//, '');
  const stripped = bare.startsWith(prefix) ? bare.slice(prefix.length) : bare.replace(/^reef-/, '');
  return stripped.length > 0 ? stripped : bare;
}
