import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { forEachOutputLine, runWithInput, spawnSendStream, splitHead } from '../../storage-drivers/common/child-stream.js';
import { CommandFailedError } from '../../storage-drivers/common/errors.js';

describe('child streams', () => {
  it('keeps a sender waiting while nobody reads (back-pressure), then delivers every byte', async () => {
    const total = 64 * 1024 * 1024;
    const sent = spawnSendStream('head', ['-c', String(total), '/dev/zero']);
    let settled = false;
    void sent.done.then(() => (settled = true), () => (settled = true));
    await sleep(500);
    assert.equal(settled, false, 'the sender is blocked on the full pipe, not finished');
    assert.ok(sent.stream.readableLength <= 1024 * 1024, `buffered ${sent.stream.readableLength} bytes, not the stream`);
    let bytes = 0;
    for await (const chunk of sent.stream as AsyncIterable<Buffer>) bytes += chunk.length;
    await sent.done;
    assert.equal(bytes, total);
  });

  it('delivers a short stream whose sender exited before anyone started reading', async () => {
    // Node resumes (and so drops) a child's unread stdout when the child exits: a small `zfs send`
    // finished while the receiver was still checking names, and the stream arrived empty.
    const sent = spawnSendStream('printf', ['%s', 'the whole stream']);
    await sent.done;
    await sleep(100);
    let text = '';
    for await (const chunk of sent.stream as AsyncIterable<Buffer>) text += chunk.toString();
    assert.equal(text, 'the whole stream');
  });

  it('rejects done with command, exit code and stderr when the sender fails', async () => {
    const sent = spawnSendStream('ls', ['/no/such/path']);
    sent.stream.resume();
    await assert.rejects(sent.done, (error: Error & { exitCode?: number; stderr?: string; command?: string }) => {
      assert.equal(error.command, 'ls');
      assert.notEqual(error.exitCode, 0);
      assert.match(error.stderr ?? '', /no such file/i);
      return true;
    });
  });

  it('stops the sender when the consumer destroys the stream, and done says so', async () => {
    const sent = spawnSendStream('cat', ['/dev/zero']);
    sent.stream.once('data', () => sent.stream.destroy());
    await assert.rejects(sent.done, { code: 'command_failed' });
  });

  it('feeds a stream to a command and rejects with the input error when the input fails', async () => {
    const ok = await runWithInput('wc', ['-c'], Readable.from([Buffer.from('hello')]));
    assert.equal(ok.stdout.trim(), '5');
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      await sleep(10);
      throw new Error('connection lost');
    }
    await assert.rejects(runWithInput('cat', [], Readable.from(failing())), /connection lost/);
    await assert.rejects(runWithInput('sh', ['-c', 'exit 4'], Readable.from([Buffer.from('x')])), { exitCode: 4 });
  });

  it('splits a header off a stream without losing or reordering bytes', async () => {
    const parts = ['ab', 'cdef', 'g', 'hij'].map((p) => Buffer.from(p));
    const seen: string[] = [];
    const { head, body } = await splitHead(Readable.from(parts), 3, (chunk) => seen.push(chunk.toString()));
    assert.equal(head.toString(), 'abc');
    let all = '';
    for await (const chunk of body as AsyncIterable<Buffer>) all += chunk.toString();
    assert.equal(all, 'abcdefghij');
    assert.equal(seen.join(''), 'abcdefghij');
  });

  it('hands output over a line at a time, the last line without its newline too, from an input stream', async () => {
    const lines: string[] = [];
    await forEachOutputLine('cat', [], (line) => lines.push(line), Readable.from(['one\ntw', 'o\n\nthree']));
    assert.deepEqual(lines, ['one', 'two', '', 'three']);
  });

  it('stops an endless command when the line handler throws (a limit), with that error; an endless input too', async () => {
    let seen = 0;
    const limit = new Error('limit reached');
    await assert.rejects(forEachOutputLine('yes', [], () => {
      seen += 1;
      if (seen > 1000) throw limit;
    }), (error: unknown) => error === limit);
    const source = spawnSendStream('yes', ['input']);
    await assert.rejects(forEachOutputLine('cat', [], () => {
      throw limit;
    }, source.stream), (error: unknown) => error === limit);
    await assert.rejects(source.done, 'the input\'s producer was stopped as well');
  });

  it('lets the input\'s writer end normally when the reader is done before the end of its input', async () => {
    // As btrfs receive --dump stops at the send stream's END command, maybe before btrfs send has exited.
    const source = spawnSendStream('seq', ['1', '200000']);
    const lines: string[] = [];
    await forEachOutputLine('head', ['-n', '2'], (line) => lines.push(line), source.stream);
    assert.deepEqual(lines, ['1', '2']);
    await source.done;
  });

  it('rejects with the command, its exit code and stderr when it fails', async () => {
    await assert.rejects(forEachOutputLine('sh', ['-c', 'echo out; echo broken >&2; exit 3'], () => undefined), (error: unknown) => {
      assert.ok(error instanceof CommandFailedError);
      assert.equal(error.exitCode, 3);
      assert.match(error.stderr, /broken/);
      return true;
    });
    await assert.rejects(forEachOutputLine('no-such-program-cowsnap', [], () => undefined), CommandFailedError);
  });
});
