import type { Command } from './command.js';
export const benchCommand: Command = { name: 'bench', summary: '', usage: '', run: async () => 2 };
