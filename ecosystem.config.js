// PM2 processes for one machine. Build first (`npm ci && npm run build`), then `pm2 start ecosystem.config.js`.
// PM2 stops a process with SIGINT and kills it after kill_timeout: every kill_timeout here is above the
// graceful shutdown it allows for (workers: SHUTDOWN_GRACE_MS, 120 s by default, to finish a training step).
// Settings come from the environment (see README "Configuration"); put shared ones in `env` or your shell.
const shared = { NODE_ENV: 'production' };

module.exports = {
  apps: [
    {
      name: 'shopintent-api',
      script: 'dist/api/main.js',
      exec_mode: 'cluster', // must be explicit: PM2 defaults to fork mode
      instances: 'max',
      kill_timeout: 10_000,
      env: { ...shared },
    },
    {
      // CPU pool: ingest, preprocess, segment and the control queue (nightly trigger, model activation, the
      // score-all-users coordinator).
      name: 'shopintent-worker-cpu',
      script: 'dist/workers/main.js',
      instances: 2,
      exec_mode: 'fork',
      kill_timeout: 150_000,
      env: { ...shared, WORKER_QUEUES: 'ingest,preprocess,segment,control', SHUTDOWN_GRACE_MS: '120000' },
    },
    {
      // GPU pool: train and the scoring shards; picks tensorflow-gpu when @tensorflow/tfjs-node-gpu loads,
      // else falls back (tensorflow, wasm, cpu) and logs which backend ran.
      name: 'shopintent-worker-gpu',
      script: 'dist/workers/main.js',
      instances: 1,
      exec_mode: 'fork',
      kill_timeout: 150_000,
      // TensorFlow grabs all GPU memory at start unless told to grow; pin the device this process may use.
      env: { ...shared, WORKER_QUEUES: 'train,score-shard', ML_BACKEND: 'auto', SHUTDOWN_GRACE_MS: '120000', TF_FORCE_GPU_ALLOW_GROWTH: 'true', CUDA_VISIBLE_DEVICES: '0' },
    },
    {
      // Registers the nightly job scheduler from exactly one place, then exits.
      name: 'shopintent-scheduler',
      script: 'dist/workers/main.js',
      args: '--scheduler',
      instances: 1,
      autorestart: false,
      env: { ...shared },
    },
  ],
};
