import { ConfigError, loadConfig } from '../config.ts';
import { openGateway, type Gateway } from '../gateway.ts';
import { createLogger } from '../log.ts';
import { ValidationError } from '../validation-error.ts';
import { COMMANDS, UsageError } from './commands.ts';

/**
 * `npm run cli -- <command> [options]`: one JSON object on stdout and exit 0, or one clear line on
 * stderr and a non-zero exit (2 for bad input, 1 for anything else). It opens the same database as a
 * running gateway, whose next request sees what it changed.
 */
async function main(argv: readonly string[]): Promise<number> {
  const [group = '', action = '', ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === `${group} ${action}`);
  if (!command) {
    process.stderr.write(`${group || action ? `Unknown command "${[group, action].join(' ').trim()}". ` : ''}Commands:\n`);
    for (const c of COMMANDS) process.stderr.write(`  ${c.name.padEnd(14)} ${c.usage}\n`);
    return 2;
  }
  let gateway: Gateway | undefined;
  try {
    const args = command.parse(rest);
    gateway = await openGateway(loadConfig(process.env), { log: createLogger() });
    const result = await command.run(gateway, args);
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ValidationError || error instanceof ConfigError) {
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
