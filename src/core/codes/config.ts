import { codeTable } from './types.js';

/** Codes owned by src/config (veil.cfg, the defaults table, validation, the IP-leak check, the node directory). */
export const CONFIG_CODES = codeTable({
  VEIL_CONFIG_INVALID: {
    category: 'config',
    summary:
      'veil.cfg has one or more problems (syntax, unknown section or key, bad value, conflicting settings); all of them are listed, each with its [section] key and line.',
    hint: 'fix each listed setting in NODEDIR/veil.cfg (docs/configuration.md describes every key), then start the node again',
  },
  VEIL_CONFIG_IP_LEAK: {
    category: 'config',
    summary:
      '`[node] reveal-IP-address = false` is set, but some settings would reveal the node\'s IP address; each is listed with a safe value.',
    hint: 'set each listed key to the safe value shown, or set `reveal-IP-address = true` if you do not need to hide your IP address',
  },
  VEIL_CONFIG_VALUE: {
    category: 'config',
    summary: 'A single value (endpoint, connection hint, size, boolean, port) is malformed.',
    hint: 'write the value in the form docs/configuration.md shows for that key',
  },
  VEIL_CONFIG_UNREADABLE: {
    category: 'config',
    summary: 'NODEDIR/veil.cfg (or another file of the node directory) is missing or cannot be read.',
    hint: 'check the node directory path and its permissions; create a node with `veil create-node NODEDIR`',
  },
  VEIL_CONFIG_NODE_FORMAT: {
    category: 'config',
    summary: 'NODEDIR/node.format is missing, corrupt, or records a node-directory format this Veil does not support.',
    hint: 'use the Veil version that created this node directory, or create a new node with `veil create-node`',
  },
  VEIL_CONFIG_WRITE_FAILED: {
    category: 'config',
    summary: 'Writing veil.cfg or node.format into the node directory failed (it exists already, or permission denied).',
    hint: 'choose an empty node directory that you can write to',
  },
});
