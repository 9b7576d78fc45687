#!/usr/bin/env node
// Installed as `hpo`; the code is compiled to dist/ by `npm run build`.
import '../dist/main.js';
