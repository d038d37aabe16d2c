/**
 * A minimal protocol client (ws + the generated protobuf code) that plays a
 * visitor or an agent, so the screenshot script can fill the workbench with
 * several believable conversations without a browser tab for each.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { cs } from '../../proto/gen/chat.js';

export interface ClientOptions {
  readonly token?: string;
  readonly site?: string;
  readonly topic?: string;
  readonly identity?: { userId: string; name: string; email: string; signature: string };
  readonly pageUrl?: string;
  readonly pageTitle?: string;
  readonly platform?: string;
  readonly appVersion?: string;
}

/** One connected session: `welcome` holds the server's answer. */
export class ProtocolClient {
  private constructor(
    private readonly ws: WebSocket,
    readonly welcome: cs.v1.Welcome,
  ) {}

  /** Connects to `wsUrl`, says Hello and waits for Welcome (or fails with the Error frame). */
  static async connect(wsUrl: string, options: ClientOptions): Promise<ProtocolClient> {
    const ws = new WebSocket(wsUrl);
    ws.binaryType = 'nodebuffer';
    await new Promise<void>((done, fail) => {
      ws.once('open', () => done());
      ws.once('error', fail);
    });
    const welcome = new Promise<cs.v1.Welcome>((done, fail) => {
      ws.on('message', (data: Buffer) => {
        const frame = cs.v1.Frame.decode(data);
        if (frame.welcome) done(frame.welcome as cs.v1.Welcome);
        else if (frame.error) fail(new Error(`refused: ${frame.error.message}`));
      });
    });
    send(ws, {
      hello: {
        token: options.token ?? '',
        deviceId: randomBytes(8).toString('hex'),
        platform: options.platform ?? 'web',
        appVersion: options.appVersion ?? '0.1.0',
        coreLevel: 20261201,
        site: options.site ?? 'demo-shop',
        topic: options.topic ?? '',
        identity: options.identity ?? null,
        pageUrl: options.pageUrl ?? '',
        pageTitle: options.pageTitle ?? '',
        lang: 'en',
      },
    });
    return new ProtocolClient(ws, await welcome);
  }

  /** The visitor's conversation for its topic. */
  get conversationId(): string {
    return this.welcome.conversations[0]?.id ?? '';
  }

  say(text: string, conversationId = this.conversationId, kind: cs.v1.MessageKind = cs.v1.MessageKind.TEXT): void {
    send(this.ws, { send: { clientMsgId: randomBytes(16).toString('hex'), conversationId, kind, text } });
  }

  act(conversationId: string, action: cs.v1.ActionKind, agentId = ''): void {
    send(this.ws, { action: { conversationId, action, agentId } });
  }

  close(): void {
    this.ws.close();
  }
}

function send(ws: WebSocket, frame: cs.v1.IFrame): void {
  ws.send(cs.v1.Frame.encode(frame).finish());
}
