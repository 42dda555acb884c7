/**
 * A process that deploys a local run and then just waits, so tests can kill
 * it the way a crash or a Ctrl-C would. argv[2]: JSON overrides of the test
 * options; argv[3] = "detach": detach (--keep) and exit instead of waiting.
 * Prints "READY <tag> <cluster url>" once replicas and both locations are up.
 */
import { testRun } from './local-options.js';

const run = testRun(JSON.parse(process.argv[2] ?? '{}'));
const backend = await run.start();
await backend.deploy(run.spec(2));
await backend.endpoint('remote');
await backend.executor('cluster');
const { url } = await backend.endpoint('cluster');
if (process.argv[3] === 'detach') await backend.detach!();
else setInterval(() => undefined, 60_000);
process.stdout.write(`READY ${run.tag} ${url}\n`);
