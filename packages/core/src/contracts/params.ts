import { z } from 'zod';

/** A parameter value as samplers produce it. */
export type ParamValue = string | number | boolean;
export const paramValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** A trial's parameters by name. */
export const trialParamsSchema = z.record(z.string(), paramValueSchema);
export type TrialParams = z.infer<typeof trialParamsSchema>;
