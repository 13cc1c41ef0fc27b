import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';
import { HasNoNul } from '../auth/auth.dto';
import { PROJECT_ROLES, ProjectRole } from './project-member.entity';

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** Body of POST /projects and PATCH /projects/:projectId. */
export class ProjectBody {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'My app' })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  @HasNoNul()
  name!: string;
}

export class ProjectResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: PROJECT_ROLES, description: "The caller's role in the project." })
  role!: ProjectRole;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;
}

export class ProjectPage {
  @ApiProperty({ type: [ProjectResponse] })
  items!: ProjectResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `?cursor=` for the next page.',
  })
  nextCursor!: string | null;
}

export function toProjectResponse(
  project: { id: string; name: string; createdAt: Date; updatedAt: Date },
  role: ProjectRole,
): ProjectResponse {
  return {
    id: project.id,
    name: project.name,
    role,
    createdAt: project.createdAt,
    updatedAt: project.updatedAt,
  };
}
