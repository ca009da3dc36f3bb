/**
 * The throughput baseline: a bare Fastify 5 hello world with no plugins, no logging and no hooks. The benchmark
 * runs it as a child process on PORT, exactly like the Compañero server, so both pay the same process and
 * loopback costs.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });

const close = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
