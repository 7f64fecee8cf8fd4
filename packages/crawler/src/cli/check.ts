import type { Command } from './command.js';
export const checkCommand: Command = { name: 'check', summary: '', usage: '', run: async () => 2 };
