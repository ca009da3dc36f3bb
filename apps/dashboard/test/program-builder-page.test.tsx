import type { TProgramGraph } from '@companero/contracts/creator-hub/programs';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { programTemplates } from '../src/features/programs/program-templates';
import { createFakeApi, type FakeRequest, reply } from './fake-api';
import { meResponse, renderApp } from './test-session';

const programId = 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001';
const graph = programTemplates.find((template) => template.id === 'morning-check-in')!.graph();

const program = (overrides: Record<string, unknown> = {}) => ({
  id: programId,
  name: 'Morning check-in',
  description: null,
  status: 'draft',
  latestVersion: null,
  hasUnpublishedChanges: true,
  activeEnrollments: 0,
  updatedAt: '2025-03-20T09:00:00.000Z',
  createdAt: '2025-03-20T09:00:00.000Z',
  graph,
  revision: 4,
  ...overrides,
});

/** The program API over one stored program; `put` decides each save's answer. */
const builderApi = (options: { put?: (request: FakeRequest) => ReturnType<typeof reply.json> } = {}) => {
  const state = { program: program() as ReturnType<typeof program> };
  const api = createFakeApi({
    'GET /api/auth/me': () => reply.json(meResponse('owner')),
    'GET /api/hub/programs': () => reply.json({ items: [] }),
    'GET /api/hub/programs/:id': () => reply.json(state.program),
    'PUT /api/hub/programs/:id': (request) => {
      if (options.put) return options.put(request);
      const body = request.body as { name: string; graph: TProgramGraph; revision: number };
      state.program = {
        ...state.program,
        name: body.name,
        graph: body.graph,
        revision: state.program.revision + 1,
      };
      return reply.json(state.program);
    },
    'POST /api/hub/programs/:id/validate': () => reply.json({ valid: true, errors: [] }),
    'POST /api/hub/programs/:id/publish': () =>
      reply.problem(422, 'The program has problems to fix before it can be published.', {
        errors: [
          {
            path: 'nodes.4.data',
            code: 'private_webhook',
            nodeId: 'ai-okay',
            message: 'Node "ai-okay" (ai_message): the server found something only it can check.',
          },
        ],
      }),
  });
  return { api, state };
};

const nameField = () => screen.findByLabelText('Program name');
// jsdom measures nothing, so React Flow keeps its nodes visibility: hidden; they are found by their test id.
const canvasNode = (id: string) => screen.findByTestId(`rf__node-${id}`);
// A click selects the step. user-event's pointer sequence starts with a mousedown whose `view` jsdom leaves null,
// and React Flow's d3-drag reads `view.document` on mousedown (an uncaught error in jsdom only; Chromium tests drag).
const selectNode = async (id: string) => fireEvent.click(await canvasNode(id));

describe('the program builder', () => {
  it('draws each step with its summary and named exits, and says the program is ready', async () => {
    const { api } = builderApi();
    renderApp({ path: `/programs/${programId}`, api });
    expect(await screen.findByRole('heading', { name: 'Morning check-in', level: 1 })).toBeInTheDocument();
    const ask = await canvasNode('ask-mood');
    expect(ask).toHaveAttribute(
      'aria-label',
      'Ask step “Morning check-in”: Good morning {{member.firstName}}! How do you feel this morning?. Waits 12 hours for an answer',
    );
    expect(
      within(ask).getByText('Good morning {{member.firstName}}! How do you feel this morning?'),
    ).toBeInTheDocument();
    expect(
      within(ask)
        .getAllByText(/./, { selector: '.program-node__exit-label' })
        .map((exit) => exit.textContent),
    ).toEqual(['Great', 'Okay', 'Low', 'Any other answer', 'No answer']);
    expect(within(ask).getByLabelText('Exit “Low” of Morning check-in')).toBeInTheDocument();
    expect(screen.getByText('None: the program is ready to publish.')).toBeInTheDocument();
    expect(screen.getByTestId('save-status')).toHaveTextContent('Saved');
    expect(screen.getByRole('button', { name: 'Enroll members' })).toBeDisabled();
  });

  it('autosaves a pause after the last edit, with the revision it was based on', async () => {
    const user = userEvent.setup();
    const { api } = builderApi();
    renderApp({ path: `/programs/${programId}`, api });
    const field = await nameField();
    await user.clear(field);
    await user.type(field, 'Mornings');
    expect(screen.getByTestId('save-status')).toHaveTextContent('Unsaved changes');
    await waitFor(() => expect(screen.getByTestId('save-status')).toHaveTextContent('Saved'));
    const saves = api.callsTo('PUT', `/api/hub/programs/${programId}`);
    expect(saves).toHaveLength(1);
    expect(saves[0]!.body).toMatchObject({ name: 'Mornings', revision: 4, graph });
  });

  it('stops on a 409 without losing the edit, and “Keep mine” saves it over the latest revision', async () => {
    const user = userEvent.setup();
    let isStale = true;
    const { api, state } = builderApi({
      put: (request) => {
        const body = request.body as { name: string; revision: number };
        if (isStale) return reply.problem(409, 'The program was saved again since revision 4 (it is at 5).');
        state.program = { ...state.program, name: body.name, revision: body.revision + 1 };
        return reply.json(state.program);
      },
    });
    renderApp({ path: `/programs/${programId}`, api });
    const field = await nameField();
    await user.type(field, ' (mine)');
    await waitFor(() => expect(screen.getByTestId('save-status')).toHaveTextContent('Conflict — reload'));
    // Nothing typed is gone, and nothing more is sent until the person chooses.
    expect(field).toHaveValue('Morning check-in (mine)');
    await user.type(field, '!');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(api.callsTo('PUT', `/api/hub/programs/${programId}`)).toHaveLength(1);

    isStale = false;
    state.program = { ...state.program, name: 'Theirs', revision: 5 };
    await user.click(screen.getByRole('button', { name: 'Keep mine' }));
    await waitFor(() => expect(screen.getByTestId('save-status')).toHaveTextContent('Saved'));
    const saves = api.callsTo('PUT', `/api/hub/programs/${programId}`);
    expect(saves.at(-1)!.body).toMatchObject({ name: 'Morning check-in (mine)!', revision: 5 });
  });

  it('“Reload” shows the version saved elsewhere, and Undo brings this person’s back', async () => {
    const user = userEvent.setup();
    let isStale = true;
    const theirs: TProgramGraph = {
      ...graph,
      nodes: graph.nodes.map((node) =>
        node.id === 'ai-low' && node.type === 'ai_message'
          ? { ...node, data: { ...node.data, instruction: 'Their instruction' } }
          : node,
      ),
    };
    const { api, state } = builderApi({
      put: () => {
        if (isStale) return reply.problem(409, 'Saved elsewhere.');
        return reply.json(state.program);
      },
    });
    renderApp({ path: `/programs/${programId}`, api });
    await selectNode('ai-low');
    const instruction = await screen.findByLabelText('Instruction for the coach');
    await user.clear(instruction);
    await user.type(instruction, 'My instruction');
    await waitFor(() => expect(screen.getByTestId('save-status')).toHaveTextContent('Conflict — reload'));

    state.program = { ...state.program, graph: theirs, revision: 9 };
    isStale = false;
    await user.click(screen.getByRole('button', { name: 'Reload' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Instruction for the coach')).toHaveValue('Their instruction'),
    );
    expect(screen.getByTestId('save-status')).toHaveTextContent('Saved');

    await user.click(screen.getByRole('button', { name: 'Undo' }));
    expect(screen.getByLabelText('Instruction for the coach')).toHaveValue('My instruction');
    await waitFor(() => expect(api.callsTo('PUT', `/api/hub/programs/${programId}`)).toHaveLength(2));
    expect(api.callsTo('PUT', `/api/hub/programs/${programId}`)[1]!.body).toMatchObject({ revision: 9 });
  });

  it('puts the server’s publish errors on the node they name', async () => {
    const user = userEvent.setup();
    const { api } = builderApi();
    renderApp({ path: `/programs/${programId}`, api });
    await user.click(await screen.findByRole('button', { name: 'Publish' }));
    expect(await screen.findByText('Not published: one problem, shown on the steps.')).toBeInTheDocument();
    const node = await canvasNode('ai-okay');
    expect(within(node).getByLabelText('Problems')).toHaveTextContent(
      'The server found something only it can check.',
    );
    expect(node.querySelector('.program-node--invalid')).not.toBeNull();
    expect(api.callsTo('POST', `/api/hub/programs/${programId}/validate`)).toHaveLength(1);
  });

  it('refuses to publish while a step has a problem, and says where', async () => {
    const user = userEvent.setup();
    const { api } = builderApi();
    renderApp({ path: `/programs/${programId}`, api });
    await selectNode('ask-mood');
    await user.clear(await screen.findByLabelText('Question'));
    // Said under the field and on the node.
    expect(await screen.findAllByText('Write the text members receive.')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Publish' }));
    expect(await screen.findByText('Fix the problem outlined in red before publishing.')).toBeInTheDocument();
    expect(api.callsTo('POST', `/api/hub/programs/${programId}/publish`)).toHaveLength(0);
  });
});
