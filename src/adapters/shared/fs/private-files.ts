/**
 * Local data (uploads, metadata sidecars, the SQLite store with its patient identifiers) is
 * readable by its owner only: files 0600, folders 0700, whatever the umask. A folder or file made
 * before this existed is tightened when the store opens it.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';

export const privateFileMode = 0o600;
export const privateDirectoryMode = 0o700;

/** `mkdir -p` with 0700 for every folder it makes. */
export async function makePrivateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: privateDirectoryMode });
}

/** For a store that opens synchronously (SQLite): its folder 0700, its file created 0600. */
export function preparePrivateFile(path: string, directory: string): void {
  mkdirSync(directory, { recursive: true, mode: privateDirectoryMode });
  chmodSync(directory, privateDirectoryMode);
  if (!existsSync(path)) closeSync(openSync(path, 'a', privateFileMode));
  chmodSync(path, privateFileMode);
}

/** Tightens a file written over an older one (a mode is applied only when a file is created). */
export async function keepPrivate(path: string): Promise<void> {
  await chmod(path, privateFileMode);
}
