#!/bin/bash
# Pretraining on several machines with SLURM: `sbatch docs/cluster/slurm.sh`.
#
# SLURM starts one torchrun agent per node (srun, one task per node); the agents meet at the first node's address
# (c10d rendezvous) and each starts one training process per GPU. Every process runs the same command line, which
# also serves every restart: `--resume auto` continues when --out holds this run's checkpoint and starts otherwise.
# - a process that dies (a crash, an out-of-memory kill, a lost GPU): torchrun stops the others and restarts all of
#   them, up to --max-restarts times; they continue from the last checkpoint;
# - the time limit or a preemption: SLURM sends SIGTERM (here 120 s early), torchrun forwards it, and every process
#   stops after the same step with a checkpoint; --requeue puts the job back in the queue, and it continues;
# - elastic membership: with --nnodes 1:$SLURM_JOB_NUM_NODES a job that loses a node goes on with fewer processes
#   (the global batch is the same, so --batch-size must divide by every process count it may run on), and says so.
# --out must be on a file system every node sees: rank 0 writes the checkpoint, every process reads it to resume.
#SBATCH --job-name=viewexplore
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=32
#SBATCH --time=24:00:00
#SBATCH --signal=TERM@120
#SBATCH --requeue
#SBATCH --output=%x-%j.out

set -euo pipefail
head_node=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
gpus=${SLURM_GPUS_ON_NODE:-4}

srun torchrun \
    --nnodes "$SLURM_JOB_NUM_NODES" --nproc-per-node "$gpus" \
    --rdzv-backend c10d --rdzv-endpoint "$head_node:29500" --rdzv-id "$SLURM_JOB_ID" \
    --max-restarts 3 \
    -m viewexplore pretrain --data cifar10 --encoder resnet18 --views viewmaker --epochs 200 --batch-size 256 \
    --out runs/cifar10-viewmaker --resume auto
