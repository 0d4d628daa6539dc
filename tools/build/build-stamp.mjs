// Lets `npm run tracking` and `npm run migrate` skip the build (about 15 s) when dist/ is current.
//   node tools/build/build-stamp.mjs begin   (prebuild)  fingerprint the build's inputs
//   node tools/build/build-stamp.mjs commit  (postbuild) the build succeeded: that fingerprint is dist's
//   node tools/build/build-stamp.mjs check   exit 0 when dist/ was built from the inputs as they are now
// The fingerprint is every input file's path, size and modification time: taken before the build, so
// a file edited while it runs still counts as changed; a failed build never commits one.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stamp = join(root, 'dist', '.build-stamp');
const pending = `${stamp}.pending`;
// What tsconfig.build.json includes and the SDK build reads, and what decides how they compile.
const INPUT_DIRS = ['apps', 'libs', 'tools', 'sdks'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const SKIPPED = new Set(['node_modules', 'dist', 'build', '__pycache__', 'results']);

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name) && !entry.name.startsWith('.')) yield* files(join(dir, entry.name));
    } else if (entry.isFile()) yield join(dir, entry.name);
  }
}

function fingerprint() {
  const hash = createHash('sha256');
  const paths = [...INPUT_DIRS.flatMap((dir) => [...files(join(root, dir))]), ...INPUT_FILES.map((file) => join(root, file))];
  for (const path of paths.sort()) {
    const { size, mtimeMs } = statSync(path);
    hash.update(`${relative(root, path)}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const command = process.argv[2];
if (command === 'begin') {
  mkdirSync(dirname(pending), { recursive: true });
  writeFileSync(pending, fingerprint());
} else if (command === 'commit') {
  if (read(pending) !== undefined) renameSync(pending, stamp);
} else if (command === 'check') {
  process.exit(read(stamp) === fingerprint() ? 0 : 1);
} else {
  process.stderr.write('usage: node tools/build/build-stamp.mjs begin|commit|check\n');
  process.exit(2);
}
