/** The repository's own folder inside the working folder (like git's `.git`). */
export const REPO_DIR = '.reef';
