/**
 * Module-loader hooks (node:module `register`) that append every URL Node loads to a file, one per
 * line. They run on the loader thread; the synchronous append is done before the module is handed
 * over, so once an `import()` settles every module it pulled in is in the file.
 */
import { appendFileSync } from 'node:fs';

let logFile = '';

export function initialize(data: { logFile: string }): void {
  logFile = data.logFile;
}

type NextLoad = (url: string, context: unknown) => Promise<unknown>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<unknown> {
  appendFileSync(logFile, `${url}\n`);
  return nextLoad(url, context);
}
