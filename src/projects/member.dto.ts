import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import { normalizeEmail } from '../auth/auth.dto';
import { PROJECT_ROLES, ProjectRole } from './project-member.entity';

/** The roles that can be given: there is one owner, the creator, for good. */
export const GRANTABLE_ROLES = ['admin', 'viewer'] as const;
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export class AddMemberBody {
  @ApiProperty({ format: 'email', description: 'The email of an existing account.' })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: GRANTABLE_ROLES })
  @IsIn(GRANTABLE_ROLES)
  role!: GrantableRole;
}

export class UpdateMemberBody {
  @ApiProperty({ enum: GRANTABLE_ROLES })
  @IsIn(GRANTABLE_ROLES)
  role!: GrantableRole;
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ enum: PROJECT_ROLES })
  role!: ProjectRole;

  @ApiProperty({ type: String, format: 'date-time' })
  addedAt!: Date;
}

export class MemberPage {
  @ApiProperty({ type: [MemberResponse] })
  items!: MemberResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `?cursor=` for the next page.',
  })
  nextCursor!: string | null;
}
