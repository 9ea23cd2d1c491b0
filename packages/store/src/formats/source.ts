import { ReefError } from '@reef/core/errors';
import { borrowScratch } from '@reef/codecs';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Random access to a model file's bytes. Parsers read headers and directories through it and hand
 * out tensors as byte ranges, so a file on disk is read tensor by tensor instead of whole.
 */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes at `offset`, in an array of their own or a view of bytes already in memory. */
  read(offset: number, length: number): Uint8Array;
}

/** Bytes already in memory: reads are views, no copies. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) throw new ReefError('BAD_FILE', `read of ${length} bytes at ${offset} is past the end (${bytes.length} bytes)`);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/**
 * A file on disk, read by range into arrays of their own (aligned, each its whole buffer). Large
 * ones are scratch memory (@reef/codecs's `borrowScratch`): a checkpoint series reads
 * tensors of the same sizes at every add, and reusing memory saves a page fault per 4 KiB. The
 * caller owns what it reads; its last owner may `returnScratch` it once nothing reads it (the store
 * does, for tensors it drops, see ObjectStore), else it is garbage-collected. Close it when done.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new ReefError('INVALID_PARAM', `${this.path} is closed`);
    if (offset < 0 || length < 0 || offset + length > this.size) throw new ReefError('BAD_FILE', `${this.path}: read of ${length} bytes at ${offset} is past the end (${this.size} bytes)`);
    const out = borrowScratch(length, true);
    for (let done = 0; done < length; ) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new ReefError('BAD_FILE', `${this.path} ended at ${offset + done} bytes while reading (changed while being added?)`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
