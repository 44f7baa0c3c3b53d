import { ConfigError, loadConfig } from '../config.ts';
import { DuplicateError } from '../db/store.ts';
import { openCore, type GatewayCore } from '../gateway.ts';
import { ValidationError } from '../validation-error.ts';
import { COMMANDS, UsageError } from './commands.ts';

/**
 * `npm run cli -- <command> [options]`: one JSON object on stdout and exit 0, or one clear line on
 * stderr and a non-zero exit (2 for bad input, 1 for anything else). It opens the same database as a
 * running gateway, whose next request sees what it changed.
 */
async function main(argv: readonly string[]): Promise<number> {
  const command = COMMANDS.find((c) => c.name === argv.slice(0, c.name.split(' ').length).join(' '));
  if (!command) {
    const asked = argv.slice(0, 2).join(' ');
    process.stderr.write(`${asked ? `Unknown command "${asked}". ` : ''}Commands:\n`);
    for (const c of COMMANDS) process.stderr.write(`  ${c.name.padEnd(14)} ${c.usage}\n`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  let gateway: GatewayCore | undefined;
  try {
    const args = command.parse(rest);
    gateway = await openCore(loadConfig(process.env));
    const result = await command.run(gateway, args);
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (error) {
    // A taken username is bad input too: the operator fixes it by choosing another name.
    if (error instanceof UsageError || error instanceof ValidationError || error instanceof ConfigError || error instanceof DuplicateError) {
      process.stderr.write(`error: ${error.message}\nusage: npm run cli -- ${command.name} ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await gateway?.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
