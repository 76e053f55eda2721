#!/usr/bin/env node
// The `ddx` command: runs the built CLI (npm install builds it through the `prepare` script).
import '../dist/entry/cli-main.js';
