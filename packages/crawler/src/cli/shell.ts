import type { Command } from './command.js';
export const shellCommand: Command = { name: 'shell', summary: '', usage: '', run: async () => 2 };
