#!/usr/bin/env node
// Interop check: a standard Node.js gRPC client (@grpc/grpc-js + @grpc/proto-loader), built at run time
// from the same .proto files as the Java server, talks to a running StreamKit server.
//
// Usage: node interop.js <host:port> [protoRoot]
//   protoRoot defaults to ../../api/src/main/protobuf relative to this file.
// Prints one "OK <check>" line per passing check; exits 0 only if all checks pass.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const OVERALL_TIMEOUT_MS = 20000;
const CALL_TIMEOUT_MS = 10000;

function usage(msg) {
  console.error(`interop: ${msg}\nusage: node interop.js <host:port> [protoRoot]`);
  process.exit(2);
}

const target = process.argv[2];
if (!target || !/^[^:\s]+:\d+$/.test(target)) {
  usage(`expected <host:port>, got ${JSON.stringify(target)}`);
}
const protoRoot = path.resolve(process.argv[3] || path.join(__dirname, '..', '..', 'api', 'src', 'main', 'protobuf'));

const watchdog = setTimeout(() => {
  console.error(`FAIL overall timeout: checks did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

function load() {
  const def = protoLoader.loadSync(['example/greeter.proto', 'streamkit/v1/streaming.proto'], {
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
    includeDirs: [protoRoot],
  });
  return grpc.loadPackageDefinition(def);
}

function deadline() {
  return new Date(Date.now() + CALL_TIMEOUT_MS);
}

function fail(check, msg) {
  return new Error(`${check}: ${msg}`);
}

function statusText(err) {
  return `${grpc.status[err.code] || err.code} (${err.code}): ${err.details || err.message}`;
}

// (1) example.Greeter/Chat: 100 requests, half-close, 100 in-order replies, status OK.
function checkGreeter(pkg) {
  const check = 'greeter.Chat';
  const client = new pkg.example.Greeter(target, grpc.credentials.createInsecure());
  const n = 100;
  return new Promise((resolve, reject) => {
    const replies = [];
    const call = client.Chat({ deadline: deadline() });
    call.on('data', (m) => replies.push(m.reply));
    call.on('error', (err) => reject(fail(check, `stream failed: ${statusText(err)}`)));
    call.on('status', (st) => {
      if (st.code !== grpc.status.OK) return; // reported by 'error'
      if (replies.length !== n) {
        return reject(fail(check, `expected ${n} replies, got ${replies.length}`));
      }
      for (let i = 0; i < n; i++) {
        if (replies[i] !== `Received: m${i}`) {
          return reject(fail(check, `reply ${i} is ${JSON.stringify(replies[i])}, expected "Received: m${i}"`));
        }
      }
      resolve(`OK ${check}: ${n} requests -> ${n} replies in order, status OK`);
    });
    for (let i = 0; i < n; i++) call.write({ content: `m${i}` });
    call.end();
  }).finally(() => client.close());
}

// (2) streamkit.v1.StreamService/Chat: echo route and an unknown route, then half-close -> OK.
function checkStreamChat(pkg) {
  const check = 'streamkit.Chat';
  const client = new pkg.streamkit.v1.StreamService(target, grpc.credentials.createInsecure());
  const payload = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x6e, 0x6f, 0x64, 0x65]);
  return new Promise((resolve, reject) => {
    const replies = [];
    const call = client.Chat({ deadline: deadline() });
    call.on('data', (m) => replies.push(m));
    call.on('error', (err) => reject(fail(check, `stream failed: ${statusText(err)}`)));
    call.on('status', (st) => {
      if (st.code !== grpc.status.OK) return;
      if (replies.length !== 2) {
        return reject(fail(check, `expected 2 replies, got ${replies.length}: ${JSON.stringify(replies)}`));
      }
      const echo = replies.find((m) => m.correlation_id === 'n1');
      const nope = replies.find((m) => m.correlation_id === 'n2');
      if (!echo) return reject(fail(check, `no reply with correlation_id "n1": ${JSON.stringify(replies)}`));
      if (echo.error) return reject(fail(check, `echo reply carries an error: ${JSON.stringify(echo.error)}`));
      if (!Buffer.isBuffer(echo.payload) || !echo.payload.equals(payload)) {
        return reject(fail(check, `echo payload ${echo.payload && echo.payload.toString('hex')} != ${payload.toString('hex')}`));
      }
      if (!echo.headers || echo.headers['x-lang'] !== 'node') {
        return reject(fail(check, `echo headers ${JSON.stringify(echo.headers)} lack x-lang=node`));
      }
      if (!nope) return reject(fail(check, `no reply with correlation_id "n2": ${JSON.stringify(replies)}`));
      if (!nope.error || nope.error.code !== 12) {
        return reject(fail(check, `route "nope" reply error is ${JSON.stringify(nope.error)}, expected code 12`));
      }
      // Programs decide by the typed reason (docs/ERRORS.md), not by the message text.
      if (nope.error.reason !== 'ROUTE_UNKNOWN' || !nope.error.metadata || nope.error.metadata.route !== 'nope') {
        return reject(fail(check, `route "nope" reply error is ${JSON.stringify(nope.error)}, expected reason ROUTE_UNKNOWN with metadata route=nope`));
      }
      resolve(`OK ${check}: echo correlation_id=n1 payload+header preserved; route "nope" -> error.code=12 reason=ROUTE_UNKNOWN; status OK`);
    });
    call.write({ id: 'n1', route: 'echo', payload, headers: { 'x-lang': 'node' } });
    call.write({ id: 'n2', route: 'nope', payload: Buffer.from('x') });
    call.end();
  }).finally(() => client.close());
}

// (3) Publish 3 events to "interop", then Subscribe from offset 0 and read offsets 1..3.
function checkPublishSubscribe(pkg) {
  const client = new pkg.streamkit.v1.StreamService(target, grpc.credentials.createInsecure());
  const topic = 'interop';
  const payloads = ['e1', 'e2', 'e3'].map((s) => Buffer.from(`node-${s}`));

  const publish = new Promise((resolve, reject) => {
    const check = 'streamkit.Publish';
    const call = client.Publish({ deadline: deadline() }, (err, ack) => {
      if (err) return reject(fail(check, `failed: ${statusText(err)}`));
      const count = String(ack.count);
      const last = ack.last_offsets && ack.last_offsets[topic];
      if (count !== '3') return reject(fail(check, `ack count ${count}, expected 3 (${JSON.stringify(ack)})`));
      if (String(last) !== '3') {
        return reject(fail(check, `ack last_offsets.${topic} = ${last}, expected 3 (${JSON.stringify(ack)})`));
      }
      resolve(`OK ${check}: 3 events -> ack count=3, last_offsets.${topic}=3`);
    });
    for (const p of payloads) call.write({ topic, payload: p, headers: { 'x-lang': 'node' } });
    call.end();
  });

  const subscribe = () => new Promise((resolve, reject) => {
    const check = 'streamkit.Subscribe';
    const events = [];
    let done = false;
    const call = client.Subscribe({ topics: [{ topic, after_offset: 0 }] }, { deadline: deadline() });
    call.on('data', (ev) => {
      if (done) return;
      events.push(ev);
      if (events.length < 3) return;
      done = true;
      call.cancel();
      for (let i = 0; i < 3; i++) {
        const ev = events[i];
        if (ev.topic !== topic || String(ev.offset) !== String(i + 1)) {
          return reject(fail(check, `event ${i} is ${ev.topic}@${ev.offset}, expected ${topic}@${i + 1}`));
        }
        if (!Buffer.isBuffer(ev.payload) || !ev.payload.equals(payloads[i])) {
          return reject(fail(check, `event ${i + 1} payload ${JSON.stringify(String(ev.payload))}, expected ${JSON.stringify(String(payloads[i]))}`));
        }
      }
      resolve(`OK ${check}: after_offset=0 -> offsets 1,2,3 with the published payloads; cancelled`);
    });
    call.on('error', (err) => {
      if (done && err.code === grpc.status.CANCELLED) return; // our own cancel
      done = true;
      reject(fail(check, `stream failed after ${events.length} events: ${statusText(err)}`));
    });
    call.on('end', () => {
      if (!done) {
        done = true;
        reject(fail(check, `stream ended after ${events.length} events, expected 3`));
      }
    });
  });

  return publish
    .then((line) => { console.log(line); return subscribe(); })
    .then((line) => { console.log(line); })
    .finally(() => client.close());
}

async function main() {
  let pkg;
  try {
    pkg = load();
  } catch (e) {
    throw new Error(`cannot load protos from ${protoRoot}: ${e.message}`);
  }
  console.log(`interop: node ${process.version}, grpc-js ${require('@grpc/grpc-js/package.json').version}, target ${target}, protos ${protoRoot}`);
  console.log(await checkGreeter(pkg));
  console.log(await checkStreamChat(pkg));
  await checkPublishSubscribe(pkg);
  console.log('ALL CHECKS PASSED');
}

main().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (err) => {
    clearTimeout(watchdog);
    console.error(`FAIL ${err.message}`);
    process.exit(1);
  },
);
