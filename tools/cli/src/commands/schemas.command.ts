import type { Command } from 'commander';
import { describeIncompatible, registerDeclaredSchemas, type SchemaRegistration } from '@tracking/kafka';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import type { RegistryRestClient } from '../inspect/registry-rest.client';
import {
  checkSubject,
  declaredSchemas,
  diffSubject,
  findDeclaredSchema,
  listSubjects,
  type SubjectCheck,
  type SubjectDiff,
  type SubjectListing,
} from '../inspect/schema-inspector';
import { table } from '../inspect/text-format';

export function registerSchemas(program: Command, context: () => CliContext): void {
  const schemas = program
    .command('schemas')
    .description('Register schemas/avro in the schema registry before deploy, and compare: what is registered, what changed, whether it is compatible')
    .addHelpText(
      'after',
      `
Examples:
  $ npm run --silent tracking -- schemas list
  $ npm run --silent tracking -- schemas diff tracking.events.v1
  $ npm run --silent tracking -- schemas check && echo "safe to deploy"
  $ npm run --silent tracking -- schemas register`,
    );
  const registry = (): { ctx: CliContext; client: RegistryRestClient } => {
    const ctx = context();
    return { ctx, client: ctx.registryRest() };
  };

  schemas
    .command('list')
    .description('Registered subjects with their versions and ids, and the schemas/avro file each belongs to')
    .addHelpText(
      'after',
      `
Declared subjects that are not registered yet are listed too (registered: false).

Output (--json): {"subjects": [{"subject", "registered", "compatibility", "versions": [{"version", "id"}],
  "topic", "file", "latestMatchesFile"}]}

Examples:
  $ npm run --silent tracking -- schemas list
  $ npm run --silent tracking -- --json schemas list | jq '.subjects[] | {subject, latest: .versions[-1]}'`,
    )
    .action(async () => {
      const { ctx, client } = registry();
      ctx.output.result({ subjects: await listSubjects(client) }, renderList);
    });

  schemas
    .command('diff [subject]')
    .description('Field-level differences between each schemas/avro file and the latest registered version of its subject')
    .addHelpText(
      'after',
      `
[subject] is a subject (tracking.events.v1-value) or its topic (tracking.events.v1); default: every
declared value schema. Changes read from the registered version to the file: added and removed
fields (with whether an added field has a default), renamed fields (by alias), type and default
changes, nested records included. "docs-only": the text differs but no field does.

Output (--json): {"subjects": [{"subject", "file", "registeredVersion", "registeredId",
  "status": "identical" | "changed" | "docs-only" | "unregistered",
  "changes": [{"path", "kind", "before", "after", "note"}]}]}

Examples:
  $ npm run --silent tracking -- schemas diff
  $ npm run --silent tracking -- schemas diff tracking.events.v1-value`,
    )
    .action(async (subject: string | undefined) => {
      const { ctx, client } = registry();
      const targets = subject === undefined ? declaredSchemas() : [findDeclaredSchema(subject)];
      const diffs: SubjectDiff[] = [];
      for (const target of targets) diffs.push(await diffSubject(client, target));
      ctx.output.result({ subjects: diffs }, renderDiff);
    });

  schemas
    .command('check')
    .description("Ask the registry whether each declared schemas/avro file would be accepted as its subject's next version; exit code 1 if any would not")
    .addHelpText(
      'after',
      `
Each declared topic's value schema is checked with the registry's compatibility endpoint under the
subject's compatibility level (BACKWARD unless configured otherwise). An unregistered subject is
"new": the file will be registered as version 1. Exit code 0 when every file would be accepted, 1
(with the registry's reasons) when any would not.

Output (--json): {"compatible": boolean, "subjects": [{"subject", "file", "compatibility",
  "status": "unchanged" | "compatible" | "incompatible" | "new", "latestVersion", "messages"}]}

Examples:
  $ npm run --silent tracking -- schemas check
  $ npm run --silent tracking -- --registry https://registry.prod.example.com schemas check || exit 1`,
    )
    .action(async () => {
      const { ctx, client } = registry();
      const checks: SubjectCheck[] = [];
      for (const target of declaredSchemas()) checks.push(await checkSubject(client, target));
      const incompatible = checks.filter((check) => check.status === 'incompatible');
      ctx.output.result({ compatible: incompatible.length === 0, subjects: checks }, renderCheck);
      if (incompatible.length > 0) {
        throw new CliError(
          `${incompatible.length} schema file(s) would be rejected by the registry: ${incompatible.map((check) => check.subject).join(', ')}`,
          'Make the change compatible (new fields need defaults; do not remove fields without defaults), or register it under a new topic version.',
        );
      }
    });

  schemas
    .command('register')
    .description("Register each declared schemas/avro file under its subject, after checking it against the subject's latest version; exit code 1 if any would be refused")
    .addHelpText(
      'after',
      `
Services only look their schema up and refuse to start when it is not registered, so run this
before deploying a release (CI, or the deployment's provisioning; stack:up does it locally). Each
declared topic's value schema goes under <topic>-value. A file that already is a version is left
as it is, so running it again changes nothing. A file the registry would refuse under the subject's
compatibility level is not sent: exit code 1, with the registry's reasons. The subject's
compatibility level is not changed (it belongs to whoever runs the registry).

Output (--json): {"registered": boolean, "subjects": [{"subject", "file",
  "action": "registered" | "unchanged" | "incompatible", "id", "version", "latestVersion", "messages"}]}

Examples:
  $ npm run --silent tracking -- schemas register
  $ npm run --silent tracking -- --registry https://registry.prod.example.com --json schemas register`,
    )
    .action(async () => {
      const ctx = context();
      const subjects = await registerDeclaredSchemas(ctx.registry());
      const refused = describeIncompatible(subjects);
      ctx.output.result({ registered: refused === '', subjects }, renderRegister);
      if (refused) {
        throw new CliError(
          `${subjects.filter((subject) => subject.action === 'incompatible').length} schema file(s) not registered:\n${refused}`,
          'Make the change compatible (new fields need defaults; do not remove fields without defaults), or register it under a new topic version.',
        );
      }
    });
}

function renderRegister({ registered, subjects }: { registered: boolean; subjects: SchemaRegistration[] }): string {
  const rows = table(
    ['subject', 'file', 'result', 'version (id)'],
    subjects.map((subject) => [
      subject.subject,
      subject.file,
      subject.action,
      subject.version === null ? `latest v${subject.latestVersion}` : `v${subject.version} (${subject.id})`,
    ]),
  );
  return [rows, registered ? 'every schema file is registered' : 'some schema files were not registered'].join('\n');
}

function renderList({ subjects }: { subjects: SubjectListing[] }): string {
  return table(
    ['subject', 'versions (id)', 'compatibility', 'file', 'latest = file'],
    subjects.map((subject) => [
      subject.subject,
      subject.registered ? subject.versions.map((version) => `v${version.version} (${version.id})`).join(', ') : 'not registered',
      subject.compatibility ?? '-',
      subject.file ?? '-',
      subject.latestMatchesFile === null ? '-' : subject.latestMatchesFile ? 'yes' : 'no',
    ]),
  );
}

function renderDiff({ subjects }: { subjects: SubjectDiff[] }): string {
  return subjects
    .map((diff) => {
      const against = diff.registeredVersion === null ? 'not registered' : `v${diff.registeredVersion} (id ${diff.registeredId})`;
      const heading = `${diff.subject} (${against}) <- schemas/avro/${diff.file}: ${diff.status}`;
      const lines = diff.changes.map((change) => {
        const detail = change.before !== undefined && change.after !== undefined ? `${change.before} -> ${change.after}` : (change.after ?? change.before ?? '');
        return `  ${change.kind.padEnd(15)} ${change.path}: ${detail}${change.note ? ` (${change.note})` : ''}`;
      });
      return [heading, ...lines].join('\n');
    })
    .join('\n');
}

function renderCheck({ compatible, subjects }: { compatible: boolean; subjects: SubjectCheck[] }): string {
  const status = (check: SubjectCheck): string => (check.status === 'new' ? 'new, will be registered' : check.status);
  const rows = table(
    ['subject', 'file', 'compatibility', 'latest', 'result'],
    subjects.map((check) => [check.subject, check.file, check.compatibility ?? '-', check.latestVersion === null ? '-' : `v${check.latestVersion}`, status(check)]),
  );
  const reasons = subjects.flatMap((check) => check.messages.map((message) => `  ${check.subject}: ${message}`));
  return [rows, ...reasons, compatible ? 'all schema files would be accepted' : 'some schema files would be rejected'].join('\n');
}
