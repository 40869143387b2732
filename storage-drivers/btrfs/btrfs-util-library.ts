import { createRequire } from 'node:module';
import type { KoffiFunc, LibraryHandle, TypeObject } from 'koffi';
import { MissingSoftwareError } from '../common/errors.js';

/**
 * The C functions of libbtrfsutil (btrfs-progs' library, Debian package `libbtrfsutil1`) that the btrfs
 * driver calls through koffi instead of spawning the `btrfs` CLI: a snapshot is one ioctl, and a fork/exec
 * of the CLI cost more than the ioctl itself on small hosts. Declarations follow btrfsutil.h (6.2); every
 * function returns an `enum btrfs_util_error` (0 = ok) and leaves errno set on failure.
 */
export const LIBRARY_FILE = 'libbtrfsutil.so.1';
export const LIBRARY_PACKAGE = 'libbtrfsutil1';

export const BTRFS_UTIL_OK = 0;
export const BTRFS_UTIL_ERROR_STOP_ITERATION = 1;
export const CREATE_SNAPSHOT_READ_ONLY = 1 << 1;

/** An opaque C pointer (koffi's representation); only ever handed back to the library. */
export type CPointer = object;
/** An out-parameter: koffi writes the value into element 0. */
export type Out<T> = [T];

export interface BtrfsUtilLibrary {
  readonly errno: () => number;
  readonly decodeString: (pointer: CPointer) => string;
  readonly strerror: KoffiFunc<(error: number) => string>;
  readonly createSnapshot: KoffiFunc<(source: string, path: string, flags: number, transid: null, inherit: null) => number>;
  readonly subvolumeId: KoffiFunc<(path: string, id: Out<number>) => number>;
  readonly createSubvolumeIterator: KoffiFunc<(path: string, top: number, flags: number, iterator: Out<CPointer | null>) => number>;
  readonly subvolumeIteratorNext: KoffiFunc<(iterator: CPointer, path: Out<CPointer | null>, id: Out<number>) => number>;
  readonly destroySubvolumeIterator: KoffiFunc<(iterator: CPointer) => void>;
  readonly sync: KoffiFunc<(path: string) => number>;
  /** libc free(): the iterator hands out paths malloc'ed by the library. */
  readonly free: KoffiFunc<(pointer: CPointer) => void>;
  /** libc ioctl() (variadic: the argument comes as a type, value pair); -1 and errno on failure. */
  readonly ioctl: KoffiFunc<(fd: number, request: number, argType: string, arg: Buffer) => number>;
}

let loaded: BtrfsUtilLibrary | undefined;

function requireKoffi(): typeof import('koffi') {
  // createRequire: koffi is a native addon shipped as CommonJS; a synchronous load keeps this lazy and simple.
  return createRequire(import.meta.url)('koffi') as typeof import('koffi');
}

/**
 * Opens the shared library `file` (libbtrfsutil unless a test names one that is absent). A missing library
 * is a MissingSoftwareError naming the Debian package: clients see that name, the log the loader's text.
 */
export function openBtrfsUtilFile(file: string = LIBRARY_FILE): LibraryHandle {
  try {
    return requireKoffi().load(file);
  } catch (error) {
    throw new MissingSoftwareError(
      LIBRARY_PACKAGE,
      `the btrfs driver needs ${file} (install the Debian package ${LIBRARY_PACKAGE}): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Loads koffi and the library on first use (only hosts with a btrfs pool pay for it: ~a few MiB of RSS).
 * koffi's type names are process-wide, so the declarations are made once and shared.
 * Throws a MissingSoftwareError naming the Debian package when the library is missing.
 */
export function loadBtrfsUtilLibrary(): BtrfsUtilLibrary {
  if (loaded !== undefined) return loaded;
  const koffi = requireKoffi();
  const lib = openBtrfsUtilFile();
  const libc = koffi.load('libc.so.6');
  const iterator: TypeObject = koffi.opaque('btrfs_util_subvolume_iterator');
  const iteratorPointer = koffi.pointer(iterator);
  // koffi's declarations are untyped (any): each is given its C signature's TypeScript shape once, here.
  loaded = {
    errno: () => koffi.errno(),
    decodeString: (pointer) => koffi.decode(pointer, 'char', -1) as string,
    strerror: lib.func('const char *btrfs_util_strerror(int err)') as BtrfsUtilLibrary['strerror'],
    // The last two arguments (async transid, qgroup inheritance) are always NULL here.
    createSnapshot: lib.func(
      'int btrfs_util_create_snapshot(const char *source, const char *path, int flags, void *async_transid, void *qgroup_inherit)',
    ) as BtrfsUtilLibrary['createSnapshot'],
    subvolumeId: lib.func('int btrfs_util_subvolume_id(const char *path, _Out_ uint64_t *id_ret)') as BtrfsUtilLibrary['subvolumeId'],
    createSubvolumeIterator: lib.func('btrfs_util_create_subvolume_iterator', 'int', [
      'const char *',
      'uint64_t',
      'int',
      koffi.out(koffi.pointer(iteratorPointer)),
    ]) as BtrfsUtilLibrary['createSubvolumeIterator'],
    subvolumeIteratorNext: lib.func('btrfs_util_subvolume_iterator_next', 'int', [
      iteratorPointer,
      koffi.out(koffi.pointer('void *')),
      koffi.out(koffi.pointer('uint64_t')),
    ]) as BtrfsUtilLibrary['subvolumeIteratorNext'],
    destroySubvolumeIterator: lib.func('btrfs_util_destroy_subvolume_iterator', 'void', [
      iteratorPointer,
    ]) as BtrfsUtilLibrary['destroySubvolumeIterator'],
    sync: lib.func('int btrfs_util_sync(const char *path)') as BtrfsUtilLibrary['sync'],
    free: libc.func('void free(void *ptr)') as BtrfsUtilLibrary['free'],
    ioctl: libc.func('int ioctl(int fd, unsigned long request, ...)') as BtrfsUtilLibrary['ioctl'],
  };
  return loaded;
}
