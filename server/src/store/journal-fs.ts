/**
 * The few file-system calls the journal makes, behind an interface so tests
 * can count fsyncs or make the disk fail on cue without root or timing.
 * `nodeJournalFs` is the real one (node:fs/promises).
 */
import { open, readFile, readdir, mkdir, rename, unlink, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** An open file the journal appends to or writes a snapshot into. */
export interface JournalFile {
  /** Writes all of `data` at the end of the file (retrying short writes). */
  write(data: Uint8Array): Promise<void>;
  /** fsync: resolves once the written data is on stable storage. */
  sync(): Promise<void>;
  /** Cuts the file to `length` bytes (rolls back a partly written batch). */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface JournalFs {
  /** `append`: open or create for appending. `create`: create or empty, for writing. */
  open(path: string, mode: 'append' | 'create'): Promise<JournalFile>;
  readFile(path: string): Promise<Uint8Array>;
  /** Names (not paths) in `dir`. */
  readdir(dir: string): Promise<string[]>;
  /** Creates `dir` and its parents if missing. */
  mkdir(dir: string): Promise<void>;
  /** Atomic on POSIX within one file system. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  truncate(path: string, length: number): Promise<void>;
  /** fsyncs a directory so created, renamed and removed names survive a crash. */
  syncDir(dir: string): Promise<void>;
}

class NodeJournalFile implements JournalFile {
  constructor(private readonly handle: FileHandle) {}

  async write(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      if (bytesWritten <= 0) throw new Error('write made no progress');
      offset += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system. */
export const nodeJournalFs: JournalFs = {
  async open(path, mode) {
    return new NodeJournalFile(await open(path, mode === 'append' ? 'a' : 'w'));
  },
  readFile: (path) => readFile(path),
  readdir: (dir) => readdir(dir),
  async mkdir(dir) {
    await mkdir(dir, { recursive: true });
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  truncate: (path, length) => truncate(path, length),
  async syncDir(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
