/**
 * dockerode as cowsnap loads it: the module that keeps ssh2 and gRPC out of memory is evaluated first
 * (ES modules evaluate their imports in order). Import the Dockerode class from here, never from
 * 'dockerode' directly (types may come from 'dockerode').
 */
import './left-out-docker-transports.js';

export { default } from 'dockerode';
