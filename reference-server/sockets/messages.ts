import { markRead, relayTyping, sendMessage } from '../domain/messages.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from './define-handler.ts';

export function registerMessageHandlers(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'message:send', 'required', (input) => sendMessage(host.ctx, socket.data.user, input));
}

export function registerReadHandlers(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'read:mark', 'required', (input) => markRead(host.ctx, socket.data.user, input));
}

export function registerTypingHandlers(host: HandlerHost, socket: BazaarSocket): void {
  for (const kind of ['typing:start', 'typing:stop'] as const) {
    defineHandler(host, socket, kind, 'none', (input) =>
      relayTyping(host.ctx, socket.data.user, input, kind, socket.id),
    );
  }
}
