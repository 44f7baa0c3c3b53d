import { notFound } from '../errors.ts';
import type { InteractionOptions, InteractionResult, OperationInteraction } from '../interaction.ts';
import { bookAppointment, cancelAppointment, type OperationDeps } from './appointment-booking.ts';

/** Runs an operation of the {@link OPERATIONS} catalog on the embedded store. */
export function executeOperation(interaction: OperationInteraction, options: InteractionOptions, deps: OperationDeps): InteractionResult {
  switch (interaction.operation) {
    case '$book':
      return bookAppointment(interaction.body, options, deps);
    case '$cancel':
      if (interaction.id === undefined) throw notFound('$cancel runs on one Appointment: POST Appointment/id/$cancel');
      return cancelAppointment(interaction.id, interaction.body, options, deps);
  }
}
