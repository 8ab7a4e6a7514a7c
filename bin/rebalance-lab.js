#!/usr/bin/env node
import { entry } from '../dist/cli/main.js';
await entry();
