/**
 * `node --import <this file>` records every module URL the process resolves into the file named
 * by HPO_LOAD_TRACE (one per line), through a module-resolution hook.
 */
import { register } from 'node:module';

register('./hooks.js', import.meta.url);
